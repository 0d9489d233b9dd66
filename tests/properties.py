"""How many examples each property test tries: 200 in `make test`, fewer in the developer's loop
(`make test-fast` sets CLOUDWARDEN_PROPERTY_EXAMPLES=40), any number on demand."""

import os

PROPERTY_EXAMPLES = int(os.environ.get("CLOUDWARDEN_PROPERTY_EXAMPLES", "200"))
