from myndnet_exchange.main import main

main()
