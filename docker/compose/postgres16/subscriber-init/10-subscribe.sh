# Sourced once on the subscriber's first start (keep it non-executable). Logical replication
# carries rows, not DDL or roles: the tables and the syncpoint role are created here, then the
# subscription copies the rows. Its application_name "127.0.0.1:54323" is the address syncpoint
# reaches this server at from the host: `syncpoint topology` reads a HOST:PORT application_name
# as the address, since pg_stat_replication never shows a subscriber's port.
docker_process_sql --dbname postgres <<-EOSQL
	CREATE ROLE syncpoint WITH LOGIN PASSWORD '${SYNCPOINT_PASSWORD}';
	GRANT pg_read_all_data, pg_read_all_stats TO syncpoint;
	CREATE DATABASE shop;
EOSQL
docker_process_sql --dbname shop < /docker-entrypoint-initdb.d/shop-schema.sql.in
docker_process_sql --dbname shop <<-EOSQL
	GRANT UPDATE ON ALL TABLES IN SCHEMA public TO syncpoint;
	CREATE SUBSCRIPTION shop_sub
	  CONNECTION 'host=primary port=5432 dbname=shop user=repl password=${REPL_PASSWORD} application_name=127.0.0.1:54323'
	  PUBLICATION shop_pub;
EOSQL
