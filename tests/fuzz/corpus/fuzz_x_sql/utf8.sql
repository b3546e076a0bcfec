CREATE TABLE `ÿþ` (`bot_id` varchar(9), `ip` varbinary(16), PRIMARY KEY (`bot_id`), CONSTRAINT c FOREIGN KEY (x) REFERENCES y (z));
INSERT INTO `ÿþ` VALUES ('Ã(', '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1'), ('x', -1.5e3), ('y', 'a''b\'c');
