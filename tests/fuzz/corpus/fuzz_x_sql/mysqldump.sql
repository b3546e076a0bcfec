-- MySQL dump 10.13  Distrib 5.1.49, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: cpdb
-- ------------------------------------------------------
-- Server version	5.1.49-3

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8 */;
/*!40103 SET TIME_ZONE='+00:00' */;

--
-- Table structure for table `botnet_list`
--

DROP TABLE IF EXISTS `botnet_list`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
CREATE TABLE `botnet_list` (
  `bot_id` varchar(100) NOT NULL,
  `botnet` varchar(20) NOT NULL DEFAULT '-- default',
  `bot_version` int(10) unsigned NOT NULL DEFAULT '0',
  `net_latency` int(10) unsigned NOT NULL DEFAULT '0',
  `tcpport_s1` smallint(5) unsigned NOT NULL DEFAULT '0',
  `time_localbias` int(10) NOT NULL DEFAULT '0',
  `os_version` tinyblob NOT NULL,
  `language_id` smallint(5) unsigned NOT NULL DEFAULT '0',
  `ipv4` varbinary(4) NOT NULL DEFAULT '\0\0\0\0',
  `country` varchar(2) NOT NULL DEFAULT '--',
  `rtime_first` int(10) unsigned NOT NULL DEFAULT '0',
  `rtime_last` int(10) unsigned NOT NULL DEFAULT '0',
  `rtime_online` int(10) unsigned NOT NULL DEFAULT '0',
  `comment` tinytext COMMENT 'a comment, (with) ''quotes''',
  PRIMARY KEY (`bot_id`),
  KEY `botnet` (`botnet`)
) ENGINE=MyISAM DEFAULT CHARSET=utf8;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `botnet_list` WRITE;
/*!40000 ALTER TABLE `botnet_list` DISABLE KEYS */;
INSERT INTO `botnet_list` VALUES ('WIN-PC_7A3F0B1C2D3E4F50','btn1',33620225,120,0,-3600,'Windows XP',1049,'\n\0\0\n','RU',1300284300,1300290000,0,'it\'s; a (comment), with \"quotes\" and '')'''),('HOME_1234567890ABCDEF','btn1',33620225,80,0,3600,'Windows 7',1033,0xCB007101,'US',1300284360,1300295000,0,NULL),('LAB-\\3','btn2',33620225,80,0,0,'',1031,3325256705,'DE',1300300000,1300300001,0,'#not a comment -- nor this /* */');
/*!40000 ALTER TABLE `botnet_list` ENABLE KEYS */;
UNLOCK TABLES;

CREATE TABLE `cp_users` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(20) NOT NULL,
  `pass` varchar(32) NOT NULL,
  `language` varchar(2) NOT NULL DEFAULT 'en',
  `flag_enabled` tinyint(1) unsigned NOT NULL DEFAULT '1',
  `comment` tinytext,
  PRIMARY KEY (`id`),
  UNIQUE KEY `name` (`name`)
) ENGINE=MyISAM AUTO_INCREMENT=3 DEFAULT CHARSET=utf8;
INSERT INTO `cp_users` VALUES (1,'admin','21232f297a57a5a743894a0e4a801fc3','en',1,'Default user'),(2,'oper','5f4dcc3b5aa765d61d8327deb882cf99','ru',1,NULL);

CREATE TABLE `botnet_reports_110316` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `bot_id` varchar(100) NOT NULL,
  `ipv4` varbinary(4) NOT NULL,
  `context` longblob NOT NULL,
  PRIMARY KEY (`id`)
);
INSERT INTO `botnet_reports_110316` VALUES (1,'WIN-PC_7A3F0B1C2D3E4F50','\n\0\0\n','user=jdoe&pass=x');

CREATE TABLE IF NOT EXISTS `attacks` (
  `id` int NOT NULL AUTO_INCREMENT,
  `target` varchar(255),
  `method` varchar(16),
  `started` datetime,
  `duration` int,
  `port` int,
  PRIMARY KEY (`id`)
);
INSERT INTO `attacks` (`id`,`target`,`method`,`started`,`duration`,`port`) VALUES (1,'http://shop.example/','HTTP','2011-03-16 14:05:00',3600,80),(2,'203.0.113.7','SYN','2011-03-17 02:00:00',600,443) ON DUPLICATE KEY UPDATE `duration`=VALUES(`duration`);
DELIMITER ;;
CREATE TRIGGER `tr` AFTER INSERT ON `botnet_list` FOR EACH ROW BEGIN
  INSERT INTO attacks VALUES (99,'trigger.example','X','2000-01-01',1,1);
END ;;
DELIMITER ;
CREATE TABLE `options` (`key` varchar(32), `value` text);
INSERT INTO `options` VALUES ('theme','dark');
-- Dump completed on 2011-03-16 14:05:00
