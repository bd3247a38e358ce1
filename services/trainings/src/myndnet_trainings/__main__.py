from myndnet_trainings.main import main

main()
