global rule g { condition: filesize > 0 }
rule h { strings: $a = "x" condition: $a }
