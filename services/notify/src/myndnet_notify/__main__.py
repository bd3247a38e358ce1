from myndnet_notify.main import main

main()
