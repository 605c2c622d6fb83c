from mimeo.cli import main

main()
