/* outer /* inner */ INSERT INTO `t` VALUES (1); */
INSERT INTO `t` VALUES (2);
/*!40101 /* nested */ SET x=1 */;
INSERT INTO t (a, `b``c`, "d") VALUE (NOW(), 1+2, (SELECT 1)), ();
-- c
#c
/* open