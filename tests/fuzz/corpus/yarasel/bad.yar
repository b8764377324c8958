rule u { condition: "unterminated }
