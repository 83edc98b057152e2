INSERT INTO customers VALUES
  (1, 'ada@example.com', 'Ada', 10.50, '2024-06-01 10:00:00+00'),
  (2, 'bob@example.com', NULL, 0, '2024-06-01 10:05:00+00'),
  (3, 'cyd@example.com', 'Cyd O''Neil', 99.99, '2024-06-02 08:30:00.123456+00'),
  (4, 'dee@example.com', '', -5.00, '2024-06-03 17:45:00+00');
INSERT INTO orders VALUES (100, 1, 'paid', '{"gift": true}'), (101, 1, 'new', NULL), (102, 3, 'shipped', '{"carrier": "ups"}');
INSERT INTO order_items VALUES (100, 1, 'SKU-0001', 2), (100, 2, 'SKU-0002', 1), (102, 1, 'SKU-0003', 5);
