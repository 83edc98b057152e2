# Sourced once on a replica's first start (keep it non-executable): follow the primary by GTID auto-position. The
# accounts and the sample schema arrive through replication. START REPLICA here persists:
# the threads start again with the real server after initialisation.
docker_process_sql <<-EOSQL
	CHANGE REPLICATION SOURCE TO SOURCE_HOST='primary', SOURCE_PORT=3306, SOURCE_USER='repl',
	  SOURCE_PASSWORD='${REPL_PASSWORD}', SOURCE_AUTO_POSITION=1, SOURCE_SSL=1, SOURCE_CONNECT_RETRY=2;
	START REPLICA;
EOSQL
