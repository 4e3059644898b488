"""netemu.dataplane"""
