EnumFsm.v
