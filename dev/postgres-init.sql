-- One database per service, for docker-compose's PostgreSQL (dev/postgres.sh creates the same).
CREATE DATABASE myndnet_membership;
CREATE DATABASE myndnet_vacancies;
CREATE DATABASE myndnet_mentoring;
CREATE DATABASE myndnet_notify;
CREATE DATABASE myndnet_trainings;
CREATE DATABASE myndnet_ingest;
CREATE DATABASE myndnet_outreach;
CREATE DATABASE myndnet_exchange;
