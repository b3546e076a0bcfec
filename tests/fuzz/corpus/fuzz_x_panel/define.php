<?php
define('DB_HOST', 'db.panel.example:3307');
define("DB_USER", "panel");
define('DB_PASS', 'p4' . "ss\x21");
const DB_NAME = 'botdb', CRYPT_KEY = "\u{263A}\101";
define('KNOCK_INTERVAL_MIN', 0x14);
$dbhost = <<<EOT
  heredoc.example
  EOT;
# comment ?> <html>define('DB_USER', 'x')</html><?= $db_pass = '' ?>
