/* Sample rules for the demo case: a bot panel's gate and its C&C list.
 * The extractor meta names the extractor that would read the file. */
rule bot_panel_config : panel
{
	meta:
		description = "PHP panel configuration listing C&C servers"
		extractor = "panel-php-config"
	strings:
		$cnc = "$cnc_servers" ascii
		$db = "$db_pass" ascii
	condition:
		all of them
}

rule gate_traffic
{
	meta:
		description = "Web log of bots posting to a panel gate"
	strings:
		$gate = "POST /gate.php" ascii
	condition:
		#gate >= 2
}
