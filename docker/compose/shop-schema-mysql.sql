-- The sample schema of the compose topologies (MySQL and MariaDB): small, with the shapes
-- syncpoint cares about (composite key, a table without a key, NULLs, JSON, decimals).
CREATE DATABASE IF NOT EXISTS shop;
USE shop;
CREATE TABLE customers (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  email VARCHAR(120) NOT NULL UNIQUE,
  name VARCHAR(80) NULL,
  balance DECIMAL(12,2) NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE orders (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  status ENUM('new','paid','shipped') NOT NULL,
  attrs JSON NULL,
  KEY (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  line SMALLINT NOT NULL,
  sku CHAR(8) NOT NULL,
  qty INT NOT NULL,
  PRIMARY KEY (order_id, line)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE events (
  at DATETIME NOT NULL,
  message TEXT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO customers VALUES
  (1, 'ada@example.com', 'Ada', 10.50, '2024-06-01 10:00:00'),
  (2, 'bob@example.com', NULL, 0, '2024-06-01 10:05:00'),
  (3, 'cyd@example.com', 'Cyd O''Neil', 99.99, '2024-06-02 08:30:00.123456'),
  (4, 'dee@example.com', '', -5.00, '2024-06-03 17:45:00');
INSERT INTO orders VALUES
  (100, 1, 'paid', '{"gift": true}'), (101, 1, 'new', NULL), (102, 3, 'shipped', '{"carrier": "ups"}');
INSERT INTO order_items VALUES (100, 1, 'SKU-0001', 2), (100, 2, 'SKU-0002', 1), (102, 1, 'SKU-0003', 5);
INSERT INTO events VALUES ('2024-06-01 10:00:00', 'opened'), ('2024-06-01 10:00:00', 'opened'), ('2024-06-02 09:00:00', NULL);
