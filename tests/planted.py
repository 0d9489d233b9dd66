"""What a planted link points at in the tests of output files: a file of the scanner's user that no
write of the scanner may reach."""

VICTIM_CONTENT = b"ssh-ed25519 AAAA... the victim's key\n"
