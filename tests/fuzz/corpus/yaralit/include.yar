include "x.yar"
rule i { condition: true }
