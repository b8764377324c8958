import "pe"
rule r_text : tag1 strings { meta: s = "x" a = 1
  strings: $a = "one" $b = "two" wide $ = { 01 02 03 ?? 04 }
  condition: any of them }
rule r_regex { strings: $a = "one" $b = /two/ condition: $a }
rule r_nostr { condition: filesize < 10 }
rule r_not { strings: $a = "one" condition: not $a }
rule r_xor { strings: $a = "one" xor $b = "x" condition: $b }
rule r_zero { strings: $a = "one" condition: 0 of them }
rule r_hexshort { strings: $a = { 01 ?? 02 } condition: $a }
rule r_ok { strings: $a = "q" nocase condition: #a == 1 }
