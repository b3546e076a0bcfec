DELIMITER //
CREATE TRIGGER x BEGIN INSERT INTO attacks VALUES (1); END //
DELIMITER ;
CREATE TABLE attacks (id int, target text, cmd text, time int, duration int);
REPLACE LOW_PRIORITY INTO db.attacks VALUES (1,'203.0.113.9','udp',1300000000,60) ON DUPLICATE KEY UPDATE x=1;
CREATE TABLE users (name text, pass text);INSERT INTO users VALUES ('a',''),('b',NULL);
CREATE TABLE IF NOT EXISTS `t2` LIKE `t`;
