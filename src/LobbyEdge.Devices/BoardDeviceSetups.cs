namespace LobbyEdge.Devices;

/// <summary>
/// A dispenser's character LCD (<c>dispensers[].lcd</c>): an HD44780 controller behind a PCF8574 or PCF8574A I2C
/// backpack.
/// </summary>
/// <param name="Device">The LCD as a device (<c>{dispenser}/lcd</c>).</param>
/// <param name="Dispenser">The dispenser whose state it shows.</param>
/// <param name="Bus">The I2C bus number (<c>/dev/i2c-N</c>).</param>
/// <param name="Address">The backpack's 7-bit I2C address: 0x20..0x27 (PCF8574) or 0x38..0x3F (PCF8574A).</param>
/// <param name="Columns">Characters per row: 16..40 (16..20 with 4 rows).</param>
/// <param name="Rows">Rows: 1, 2 or 4.</param>
public sealed record CharacterLcdSetup(DeviceInfo Device, DeviceInfo Dispenser, int Bus, int Address, int Columns, int Rows);

/// <summary>A counter's 7-segment number display on a MAX7219 (<c>displays[].max7219</c>).</summary>
/// <param name="Device">The display.</param>
/// <param name="Bus">The SPI bus number (<c>/dev/spidevB.C</c>).</param>
/// <param name="ChipSelect">The chip-select line on that bus.</param>
/// <param name="Digits">Digits fitted: 1..8 (digit 0, the rightmost, upwards).</param>
/// <param name="Counter">The counter whose calls it shows.</param>
/// <param name="Brightness">The MAX7219 intensity register: 0..15.</param>
public sealed record SegmentDisplaySetup(DeviceInfo Device, int Bus, int ChipSelect, int Digits, int Counter, int Brightness);

/// <summary>A buzzer that sounds the call chime (<c>displays[].buzzer</c>).</summary>
/// <param name="Device">The buzzer.</param>
/// <param name="Pin">The GPIO pin of an active buzzer (sounds while the pin is high), or -1 for a PWM buzzer.</param>
/// <param name="PwmChip">The PWM chip of a passive buzzer (<c>/sys/class/pwm/pwmchipN</c>), or -1.</param>
/// <param name="PwmChannel">The channel on that chip, or -1.</param>
/// <param name="Counter">The counter whose calls it chimes for, or 0 for every call in the branch.</param>
public sealed record BuzzerSetup(DeviceInfo Device, int Pin, int PwmChip, int PwmChannel, int Counter)
{
    /// <summary>Whether it is a passive buzzer on a hardware PWM channel (otherwise an active buzzer on a GPIO pin).</summary>
    public bool IsPwm => Pin < 0;
}
