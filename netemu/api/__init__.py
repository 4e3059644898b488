"""netemu.api"""
