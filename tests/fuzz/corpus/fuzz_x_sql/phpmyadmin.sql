-- phpMyAdmin SQL Dump
-- version 3.4.10.1deb1
-- http://www.phpmyadmin.net
--
-- Host: localhost
-- Generation Time: Mar 16, 2011 at 02:05 PM
-- Server version: 5.5.22
-- PHP Version: 5.3.10-1ubuntu3

SET SQL_MODE="NO_AUTO_VALUE_ON_ZERO";
SET time_zone = "+00:00";

--
-- Database: `panel`
--

-- --------------------------------------------------------

--
-- Table structure for table `bots`
--

CREATE TABLE IF NOT EXISTS `bots` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `hwid` varchar(64) NOT NULL,
  `ip` int(10) unsigned NOT NULL,
  `cc` char(2) NOT NULL,
  `os` varchar(64) NOT NULL,
  `installed` datetime NOT NULL,
  `lastseen` datetime NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB  DEFAULT CHARSET=latin1 AUTO_INCREMENT=4 ;

--
-- Dumping data for table `bots`
--

INSERT INTO `bots` (`id`, `hwid`, `ip`, `cc`, `os`, `installed`, `lastseen`) VALUES
(1, 'A1B2C3D4', 3405803777, 'US', 'Windows 7 SP1 x64', '2013-05-01 10:00:00', '2013-05-02 11:00:00'),
(2, 'E5F6A7B8', '3325256705', 'DE', 'Windows XP SP3', '2013-05-01 12:00:00', '2013-05-03 09:30:00'),
(3, 'C0FFEE00', '192.0.2.77', 'FR', 'Windows 8', '2013-05-04 12:00:00', '2013-05-04 13:00:00');

CREATE TABLE IF NOT EXISTS `users` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `login` varchar(32) NOT NULL,
  `password` varchar(64) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

INSERT INTO `users` (`id`, `login`, `password`) VALUES
(1, 'boss', 'e10adc3949ba59abbe56e057f20f883e');

CREATE TABLE IF NOT EXISTS `tasks` (
  `id` int(11) NOT NULL,
  `command` varchar(32) NOT NULL,
  `host` varchar(255) NOT NULL,
  `created` int(11) NOT NULL,
  `length` int(11) NOT NULL
);
INSERT INTO `tasks` (`id`, `command`, `host`, `created`, `length`) VALUES
(1, 'udpflood', 'game.example', 1367402400, 120);
