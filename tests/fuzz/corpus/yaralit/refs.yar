private rule p { condition: filesize < 10 }
rule q { condition: p and any of (p*) }
