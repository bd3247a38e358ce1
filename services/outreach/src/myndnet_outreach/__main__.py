from myndnet_outreach.main import main

main()
