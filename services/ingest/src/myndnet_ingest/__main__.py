from myndnet_ingest.main import main

main()
