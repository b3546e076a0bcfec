<?php
class Config {
    public $host = 'localhost';
    public $user = 'joomla';
    public $password = 's3cret';
    public $db = 'jdb';
    public $charset = 'utf8';
    const DB_PORT = '3308';
    function connect() { $db_pass = $_POST['x']; $link = mysqli_connect($this->host, 'a', 'b'); $i = 0; }
}
$x = (1 + 2);
$y = -5;
$db_name = getenv('DBNAME');
$arr = [1, 2, [3, [4]]];
define('BOTNET_TIMEOUT_MIN', 10);
?>
