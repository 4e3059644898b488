"""netemu.health"""
