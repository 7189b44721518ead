WrapCounter_n10.v
