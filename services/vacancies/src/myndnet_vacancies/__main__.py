from myndnet_vacancies.main import main

main()
