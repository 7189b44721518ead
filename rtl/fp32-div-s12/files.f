Fp32Div_s12.v
