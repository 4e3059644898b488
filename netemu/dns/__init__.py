"""netemu.dns"""
