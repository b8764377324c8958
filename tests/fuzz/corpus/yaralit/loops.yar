rule l { strings: $a = "a" condition: for any i in (1..#a) : (@a[i] % 2 == 0) and not uint16(0) == 0x5A4D or #a > 3 }
rule m { strings: $a = { 00 // } x
 01 /* } */ } condition: for all of ($a*) : ( @ < 100 ) and ((uint32(0) == 0x464C457F)) }
