<?
// generated
$config = array(
    'DB' => array(
        'Host'     => "10.0.0.5",
        'port'     => 3306,
        'user'     => 'bots',
        'password' => "tab\there \$x \101\u{263A}",
        'name'     => 'c2',
    ),
    'timeout' => 30,
    'upload_path' => __DIR__ . '/up',
    'admin' => ['user' => 'root', 'pass' => 'toor'],
    'secret_key' => <<<'EOT'
nowdoc-key
EOT,
);
$dbhost = 'localhost'; $dbuser = 'u2'; $dbpass = '';
return [
  'database' => ['hostname' => 'sql.example', 'username' => 'r',
                 'password' => 'rpw', 'dbname' => 'rdb'],
];
