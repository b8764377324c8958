import "elf"
rule e1 { strings: $s = /\x7fELF[^\/]{2}/ condition: uint32(0) == 0x464C457F and $s }
rule e2 { condition: elf.type == elf.ET_EXEC and 1000 > filesize }
