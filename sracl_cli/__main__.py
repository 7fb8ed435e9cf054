from sracl_cli.cli import main

main()
