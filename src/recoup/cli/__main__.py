from recoup.cli import main

main()
