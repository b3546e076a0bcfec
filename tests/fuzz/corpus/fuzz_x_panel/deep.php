<?php
$db_host = array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array(array('h'))))))))))))))))))))))))))))))))))))))));
$x['a']['b']->c[] = [,,];
/* open