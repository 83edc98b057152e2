# Sourced once on the primary's first start (keep it non-executable: docker_process_sql is the
# entrypoint's function). The standby copies all of it; the subscriber gets the rows only.
docker_process_sql --dbname postgres <<-EOSQL
	CREATE ROLE repl WITH LOGIN REPLICATION PASSWORD '${REPL_PASSWORD}';
	-- syncpoint reads everything, sees client addresses in pg_stat_replication (discovery),
	-- and needs UPDATE to take LOCK TABLE ... IN SHARE MODE for the primary-lock sync point.
	CREATE ROLE syncpoint WITH LOGIN PASSWORD '${SYNCPOINT_PASSWORD}';
	GRANT pg_read_all_data, pg_read_all_stats TO syncpoint;
	CREATE DATABASE shop;
EOSQL
docker_process_sql --dbname shop < /docker-entrypoint-initdb.d/shop-schema.sql.in
docker_process_sql --dbname shop < /docker-entrypoint-initdb.d/shop-data.sql.in
docker_process_sql --dbname shop <<-EOSQL
	GRANT UPDATE ON ALL TABLES IN SCHEMA public TO syncpoint;
	GRANT SELECT ON ALL TABLES IN SCHEMA public TO repl;
	CREATE PUBLICATION shop_pub FOR ALL TABLES;
EOSQL
# Physical standbys and the subscription connect as repl from the compose network.
echo "host replication repl all scram-sha-256" >> "$PGDATA/pg_hba.conf"
echo "host shop repl all scram-sha-256" >> "$PGDATA/pg_hba.conf"
