CREATE TABLE `botnet_list` (`bot_id` varchar(9), `ipv4` int);
INSERT INTO `botnet_list` VALUES ('a',1),('b',0x0A000001),(_binary'x',X'0a000001'),('never closed