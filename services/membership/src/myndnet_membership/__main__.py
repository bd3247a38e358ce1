from myndnet_membership.main import main

main()
