from myndnet_web.main import main

main()
