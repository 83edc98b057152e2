# Sourced once on a replica's first start: follow the primary by GTID (slave_pos). The entrypoint
# writes its own accounts with sql_log_bin=0, so the replica has no GTIDs of its own and
# gtid_strict_mode holds. START SLAVE here persists into the real server's start.
docker_process_sql <<-EOSQL
	CHANGE MASTER TO MASTER_HOST='primary', MASTER_PORT=3306, MASTER_USER='repl',
	  MASTER_PASSWORD='${REPL_PASSWORD}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2;
	START SLAVE;
EOSQL
