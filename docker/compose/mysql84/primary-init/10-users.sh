# Sourced once (keep it non-executable: docker_process_sql is the entrypoint's function) on the
# primary's first start. Binlogged, so the replicas receive the accounts and the sample schema
# through replication.
docker_process_sql <<-EOSQL
	CREATE USER 'repl'@'%' IDENTIFIED BY '${REPL_PASSWORD}';
	GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
	-- What syncpoint needs: read everything, see replication state, the replicas (SHOW REPLICAS
	-- needs REPLICATION SLAVE) and the processlist
	-- (discovery), and LOCK TABLES for the primary-lock sync method MySQL uses.
	CREATE USER 'syncpoint'@'%' IDENTIFIED BY '${SYNCPOINT_PASSWORD}';
	GRANT SELECT, PROCESS, REPLICATION CLIENT, REPLICATION SLAVE, LOCK TABLES ON *.* TO 'syncpoint'@'%';
EOSQL
docker_process_sql < /docker-entrypoint-initdb.d/shop.sql.in
