"""Valid raw entries to start test cases from (the same values as the bundled samples)."""

from __future__ import annotations

from cplkit.core.model import RawValue

HASH = ":".join(f"{(i * 37 + 11) % 256:02X}" for i in range(32))

FIR = {
    "Manufacturer Contact FIR.Company Name": "Example Meters Ltd",
    "Manufacturer Contact FIR.House Number": "12",
    "Manufacturer Contact FIR.Street": "Meter Street",
    "Manufacturer Contact FIR.City": "Manchester",
    "Manufacturer Contact FIR.Post Code": "M1 1AA",
    "Manufacturer Contact FIR.Country": "United Kingdom",
    "Manufacturer Contact FIR.Telephone Number": "+44 161 496 0000",
    "Manufacturer Contact FIR.Website": "https://www.meters.example.co.uk",
    "Manufacturer Contact FIR.Email Address": "firmware@meters.example.co.uk",
    "FIR Release Notes.Description": "Fixes tariff switching at midnight",
}
CPA_CONTACT = {
    "Contact-CPA.Contact.contact name": "Jo Bloggs",
    "Contact-CPA.Contact.contact telephone": "+44 20 7946 0000",
    "Contact-CPA.Contact.contact email": "jo.bloggs@meters.example.co.uk",
}


def valid_gas(spec: str = "SMETS V4.3", gbcs: str = "GBCS Version 4.1",
              **changes: RawValue) -> dict[str, RawValue]:
    entry: dict[str, RawValue] = {
        "Device_Type.name": "Gas Smart Meter",
        "Device_Model.manufacturer_identifier": "12:3E",
        "Device_Model.model_identifier": "20:02",
        "Device_Model.hardware_version.version": "01",
        "Device_Model.hardware_version.revision": "00",
        "Device_Model.firmware_version": "01:02:0A:FF",
        "SMETS_CHTS Version.Version_number_and_effective_date": spec,
        "GBCS Version.version_number": gbcs,
        "CPA_Certificate.identification_number": "[R] NCSC-1500000000-4001",
        "CPA_Certificate.security_characteristics_version": "Security Characteristics version 1.3",
        "CPA_Certificate.expiry_date": "30/08/2030",
        "ZSE_Certificate.identification_number": "ZIG22001ZSE13000-24",
        "ZSE_Certificate.ZSE_version": "ZigBee Smart Energy Standard 1.4",
        "Manufacturer_Image.creator": "Example Meters Ltd",
        "Manufacturer_Image.hash": HASH,
        "Manufacturer_Image.descriptor": "Complete image; Dual Band",
        **CPA_CONTACT,
        **FIR,
    }
    entry.update(changes)
    return entry


def with_fields(entry: dict[str, RawValue], **fields: RawValue) -> dict[str, RawValue]:
    """``entry`` with canonical fields replaced; use '__' for '.' in keyword names."""
    out = dict(entry)
    for key, value in fields.items():
        out[key.replace("__", ".")] = value
    return out
