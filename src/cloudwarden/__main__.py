from cloudwarden.cli import main

main()
