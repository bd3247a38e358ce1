from myndnet_mentoring.main import main

main()
