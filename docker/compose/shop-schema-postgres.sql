-- The sample schema of the PostgreSQL compose topology (database "shop"); the logical
-- subscriber creates the same tables empty and receives the rows through its subscription.
CREATE TABLE customers (
  id integer PRIMARY KEY,
  email varchar(120) NOT NULL UNIQUE,
  name varchar(80),
  balance numeric(12,2) NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL
);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  customer_id integer NOT NULL,
  status text NOT NULL CHECK (status IN ('new', 'paid', 'shipped')),
  attrs jsonb
);
CREATE TABLE order_items (
  order_id bigint NOT NULL,
  line smallint NOT NULL,
  sku char(8) NOT NULL,
  qty integer NOT NULL,
  PRIMARY KEY (order_id, line)
);
