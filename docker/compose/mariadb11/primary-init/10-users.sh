# Sourced once (keep it non-executable: docker_process_sql is the entrypoint's function) on the
# primary's first start. Binlogged, so the replicas receive the accounts and the sample schema
# through replication.
docker_process_sql <<-EOSQL
	CREATE USER 'repl'@'%' IDENTIFIED BY '${REPL_PASSWORD}';
	GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
	-- What syncpoint needs: read everything, replication state, SHOW SLAVE HOSTS (REPLICATION MASTER
	-- ADMIN) and the processlist (discovery),
	-- and on the replicas stop/start of the SQL thread for the replica-until sync method.
	CREATE USER 'syncpoint'@'%' IDENTIFIED BY '${SYNCPOINT_PASSWORD}';
	GRANT SELECT, PROCESS, REPLICATION CLIENT, SLAVE MONITOR, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN, BINLOG MONITOR, LOCK TABLES ON *.* TO 'syncpoint'@'%';
EOSQL
docker_process_sql < /docker-entrypoint-initdb.d/shop.sql.in
