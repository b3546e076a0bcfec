<?php
$config = array('db' => array('host' => 'h', 'pass' => 'never