"""The simulated part catalog: manufacturers, their sites, and parts with realistic MPNs and prices.

Canonical manufacturer names are those of ``orchestration.partkey`` (plus Kioxia, which the simulator
adds through ``reference/manufacturer_aliases.csv``). Every random draw comes from the generator passed
in, so a seed fixes the catalog.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------------------------------
# Categories
# --------------------------------------------------------------------------------------------------

# subcategory -> (category, base price median USD at the 1000 break, price sigma, lead weeks lo/hi,
#                 packaging kind, reel/standard pack)
SUBCATEGORIES: dict[str, tuple[str, float, float, tuple[int, int], str, int]] = {
    "mosfet": ("mosfet_logic", 0.035, 0.45, (10, 14), "reel", 3000),
    "logic": ("mosfet_logic", 0.045, 0.35, (8, 12), "reel", 3000),
    "diode": ("mosfet_logic", 0.02, 0.35, (8, 12), "reel", 3000),
    "mcu": ("mcu", 2.6, 0.6, (12, 20), "tray", 250),
    "analog": ("analog", 0.55, 0.7, (6, 12), "reel", 2500),
    "power": ("analog", 0.9, 0.5, (6, 12), "reel", 3000),
    "ddr4": ("memory", 4.8, 0.25, (10, 14), "tray", 2000),
    "nand": ("memory", 4.0, 0.5, (10, 14), "tray", 960),
    "mlcc": ("mlcc", 0.008, 0.5, (8, 12), "reel", 4000),
    "mlcc_hicv": ("mlcc", 0.12, 0.45, (12, 16), "reel", 2000),
    "mlcc_auto": ("mlcc", 0.025, 0.4, (12, 18), "reel", 4000),
    "conn_hs": ("connector", 6.5, 0.6, (8, 12), "tray", 100),
    "conn_std": ("connector", 0.6, 0.6, (6, 10), "tube", 500),
    "resistor": ("passive", 0.0025, 0.4, (6, 10), "reel", 5000),
    "inductor": ("passive", 0.12, 0.6, (8, 12), "reel", 2000),
    "ferrite": ("passive", 0.015, 0.4, (8, 10), "reel", 4000),
}

# Per source, how the provider names the subcategory: DigiKey tree, Mouser, Nexar path, TME.
SOURCE_CATEGORY: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "mosfet": (("Discrete Semiconductor Products", "Transistors", "FETs, MOSFETs", "Single FETs, MOSFETs"),
               "MOSFETs", "/electronic-parts/semiconductors/discrete-semiconductors/transistors/mosfets",
               "SMD N channel transistors"),
    "logic": (("Integrated Circuits (ICs)", "Logic", "Gates and Inverters"), "Logic Gates",
              "/electronic-parts/integrated-circuits-ics/logic-ics/logic-gates", "Gates - integrated circuits"),
    "diode": (("Discrete Semiconductor Products", "Diodes", "Rectifiers", "Single Diodes"), "Diodes - General Purpose",
              "/electronic-parts/semiconductors/discrete-semiconductors/diodes/rectifier-diodes",
              "SMD universal diodes"),
    "mcu": (("Integrated Circuits (ICs)", "Embedded", "Microcontrollers"), "ARM Microcontrollers - MCU",
            "/electronic-parts/integrated-circuits-ics/embedded-processors-and-controllers/microcontrollers",
            "Microcontrollers - other integrated circuits"),
    "analog": (("Integrated Circuits (ICs)", "Linear", "Amplifiers", "Instrumentation, Op Amps, Buffer Amps"),
               "Operational Amplifiers - Op Amps",
               "/electronic-parts/integrated-circuits-ics/amplifier-ics/operational-amplifiers-op-amps",
               "SMD operational amplifiers"),
    "power": (("Integrated Circuits (ICs)", "Power Management (PMIC)", "Voltage Regulators - DC DC Switching Regulators"),
              "Switching Voltage Regulators",
              "/electronic-parts/integrated-circuits-ics/power-management-ics/switching-regulators",
              "DC/DC converters - integrated circuits"),
    "ddr4": (("Integrated Circuits (ICs)", "Memory", "Memory"), "DRAM",
             "/electronic-parts/integrated-circuits-ics/memory-ics/dram", "DRAM memories"),
    "nand": (("Integrated Circuits (ICs)", "Memory", "Memory"), "NAND Flash",
             "/electronic-parts/integrated-circuits-ics/memory-ics/flash", "FLASH memories"),
    "mlcc": (("Capacitors", "Ceramic Capacitors"), "Multilayer Ceramic Capacitors MLCC - SMD/SMT",
             "/electronic-parts/passive-components/capacitors/ceramic-capacitors", "MLCC SMD capacitors"),
    "mlcc_hicv": (("Capacitors", "Ceramic Capacitors"), "Multilayer Ceramic Capacitors MLCC - SMD/SMT",
                  "/electronic-parts/passive-components/capacitors/ceramic-capacitors", "MLCC SMD capacitors"),
    "mlcc_auto": (("Capacitors", "Ceramic Capacitors"), "Multilayer Ceramic Capacitors MLCC - SMD/SMT",
                  "/electronic-parts/passive-components/capacitors/ceramic-capacitors",
                  "MLCC SMD capacitors (automotive)"),
    "conn_hs": (("Connectors, Interconnects", "Backplane Connectors", "Specialized"),
                "High Speed / Modular Connectors",
                "/electronic-parts/connectors/backplane-connectors", "Board-to-board connectors"),
    "conn_std": (("Connectors, Interconnects", "Rectangular Connectors", "Headers, Male Pins"), "Headers & Wire Housings",
                 "/electronic-parts/connectors/headers-and-wire-housings", "Pin headers"),
    "resistor": (("Resistors", "Chip Resistor - Surface Mount"), "Thick Film Resistors - SMD",
                 "/electronic-parts/passive-components/resistors/chip-smd-resistors", "SMD resistors"),
    "inductor": (("Inductors, Coils, Chokes", "Fixed Inductors"), "Fixed Inductors",
                 "/electronic-parts/passive-components/inductors/fixed-inductors", "SMD inductors"),
    "ferrite": (("Filters", "Ferrite Beads and Chips"), "Ferrite Beads",
                "/electronic-parts/passive-components/emi-rfi-components/ferrite-beads", "Ferrite beads"),
}

# --------------------------------------------------------------------------------------------------
# Manufacturers
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manufacturer:
    name: str  # canonical (orchestration.partkey)
    digikey_id: int
    mouser_prefix: str
    # how each provider writes the name
    digikey_name: str
    mouser_name: str
    nexar_name: str
    tme_name: str
    broker_name: str
    bom_names: tuple[str, ...]
    # (country, kind, capacity share)
    sites: tuple[tuple[str, str, float], ...]


F, A = "wafer_fab", "assembly_test"
MANUFACTURERS: dict[str, Manufacturer] = {m.name: m for m in [
    Manufacturer(name="Nexperia", digikey_id=1727, mouser_prefix="771",
                 digikey_name="Nexperia USA Inc.", mouser_name="Nexperia", nexar_name="Nexperia",
                 tme_name="NEXPERIA", broker_name="NEXPERIA",
                 bom_names=("Nexperia", "NEXPERIA", "Nexperia B.V."),
                 sites=(("NL", F, 0.40), ("DE", F, 0.35), ("GB", F, 0.25), ("CN", A, 0.70), ("MY", A, 0.20), ("PH", A, 0.10))),
    Manufacturer(name="Texas Instruments", digikey_id=296, mouser_prefix="595",
                 digikey_name="Texas Instruments", mouser_name="Texas Instruments",
                 nexar_name="Texas Instruments", tme_name="TEXAS INSTRUMENTS", broker_name="TI",
                 bom_names=("Texas Instruments", "TI", "TEXAS INSTRUMENTS"),
                 sites=(("US", F, 0.60), ("DE", F, 0.15), ("JP", F, 0.15), ("CN", F, 0.10), ("MY", A, 0.35),
                        ("PH", A, 0.25), ("MX", A, 0.15), ("CN", A, 0.25))),
    Manufacturer(name="Analog Devices", digikey_id=505, mouser_prefix="584",
                 digikey_name="Analog Devices Inc.", mouser_name="Analog Devices", nexar_name="Analog Devices",
                 tme_name="ANALOG DEVICES", broker_name="ADI",
                 bom_names=("Analog Devices", "ADI", "Linear Technology"),
                 sites=(("US", F, 0.55), ("IE", F, 0.45), ("PH", A, 0.50), ("MY", A, 0.30), ("TH", A, 0.20))),
    Manufacturer(name="STMicroelectronics", digikey_id=497, mouser_prefix="511",
                 digikey_name="STMicroelectronics", mouser_name="STMicroelectronics",
                 nexar_name="STMicroelectronics", tme_name="STMICROELECTRONICS", broker_name="ST",
                 bom_names=("STMicroelectronics", "ST", "ST Micro"),
                 sites=(("FR", F, 0.45), ("IT", F, 0.35), ("SG", F, 0.20), ("MY", A, 0.35), ("PH", A, 0.25),
                        ("MA", A, 0.20), ("CN", A, 0.20))),
    Manufacturer(name="Microchip Technology", digikey_id=150, mouser_prefix="579",
                 digikey_name="Microchip Technology", mouser_name="Microchip", nexar_name="Microchip",
                 tme_name="MICROCHIP TECHNOLOGY", broker_name="MICROCHIP",
                 bom_names=("Microchip", "Microchip Technology", "Atmel"),
                 sites=(("US", F, 1.00), ("TH", A, 0.60), ("PH", A, 0.40))),
    Manufacturer(name="NXP Semiconductors", digikey_id=568, mouser_prefix="771",
                 digikey_name="NXP USA Inc.", mouser_name="NXP Semiconductors", nexar_name="NXP Semiconductors",
                 tme_name="NXP", broker_name="NXP", bom_names=("NXP", "NXP Semiconductors"),
                 sites=(("NL", F, 0.30), ("US", F, 0.45), ("SG", F, 0.25), ("MY", A, 0.40), ("TW", A, 0.25),
                        ("CN", A, 0.20), ("TH", A, 0.15))),
    Manufacturer(name="Infineon Technologies", digikey_id=448, mouser_prefix="726",
                 digikey_name="Infineon Technologies", mouser_name="Infineon Technologies",
                 nexar_name="Infineon", tme_name="INFINEON TECHNOLOGIES", broker_name="INFINEON",
                 bom_names=("Infineon", "Infineon Technologies", "International Rectifier"),
                 sites=(("DE", F, 0.50), ("AT", F, 0.30), ("MY", F, 0.20), ("MY", A, 0.45), ("CN", A, 0.25),
                        ("ID", A, 0.15), ("HU", A, 0.15))),
    Manufacturer(name="onsemi", digikey_id=488, mouser_prefix="863", digikey_name="onsemi",
                 mouser_name="onsemi", nexar_name="onsemi", tme_name="ONSEMI", broker_name="ON SEMI",
                 bom_names=("onsemi", "ON Semiconductor", "ON Semi"),
                 sites=(("US", F, 0.50), ("CZ", F, 0.30), ("JP", F, 0.20), ("PH", A, 0.35), ("MY", A, 0.30),
                        ("CN", A, 0.20), ("VN", A, 0.15))),
    Manufacturer(name="Vishay", digikey_id=742, mouser_prefix="781",
                 digikey_name="Vishay Siliconix", mouser_name="Vishay / Siliconix", nexar_name="Vishay",
                 tme_name="VISHAY", broker_name="VISHAY",
                 bom_names=("Vishay", "Vishay Dale", "Vishay Siliconix"),
                 sites=(("DE", F, 0.35), ("US", F, 0.30), ("IL", F, 0.20), ("TW", F, 0.15), ("CN", A, 0.35),
                        ("PH", A, 0.25), ("MY", A, 0.20), ("CZ", A, 0.20))),
    Manufacturer(name="Diodes Incorporated", digikey_id=31, mouser_prefix="621",
                 digikey_name="Diodes Incorporated", mouser_name="Diodes Incorporated",
                 nexar_name="Diodes Inc.", tme_name="DIODES INCORPORATED", broker_name="DIODES",
                 bom_names=("Diodes Inc.", "Diodes Incorporated", "Diodes"),
                 sites=(("US", F, 0.40), ("GB", F, 0.30), ("CN", F, 0.30), ("CN", A, 0.70), ("TW", A, 0.30))),
    Manufacturer(name="Samsung Semiconductor", digikey_id=1510, mouser_prefix="604",
                 digikey_name="Samsung Semiconductor, Inc.", mouser_name="Samsung Semiconductor",
                 nexar_name="Samsung", tme_name="SAMSUNG", broker_name="SAMSUNG",
                 bom_names=("Samsung", "Samsung Semiconductor", "SAMSUNG"),
                 sites=(("KR", F, 0.85), ("US", F, 0.15), ("KR", A, 0.60), ("CN", A, 0.25), ("VN", A, 0.15))),
    Manufacturer(name="Micron Technology", digikey_id=557, mouser_prefix="340",
                 digikey_name="Micron Technology Inc.", mouser_name="Micron", nexar_name="Micron",
                 tme_name="MICRON", broker_name="MICRON", bom_names=("Micron", "Micron Technology"),
                 sites=(("US", F, 0.30), ("TW", F, 0.35), ("JP", F, 0.20), ("SG", F, 0.15), ("MY", A, 0.45),
                        ("TW", A, 0.25), ("CN", A, 0.20), ("SG", A, 0.10))),
    Manufacturer(name="Kioxia", digikey_id=264, mouser_prefix="757",
                 digikey_name="Kioxia America, Inc.", mouser_name="KIOXIA", nexar_name="Kioxia",
                 tme_name="KIOXIA", broker_name="KIOXIA", bom_names=("Kioxia", "KIOXIA", "Toshiba Memory"),
                 sites=(("JP", F, 1.00), ("JP", A, 0.60), ("PH", A, 0.40))),
    Manufacturer(name="Murata", digikey_id=490, mouser_prefix="81",
                 digikey_name="Murata Electronics", mouser_name="Murata Electronics", nexar_name="Murata",
                 tme_name="MURATA", broker_name="MURATA",
                 bom_names=("Murata", "Murata Electronics", "Murata Manufacturing"),
                 sites=(("JP", F, 0.75), ("CN", F, 0.15), ("PH", F, 0.10), ("JP", A, 0.55), ("CN", A, 0.25), ("PH", A, 0.20))),
    Manufacturer(name="Samsung Electro-Mechanics", digikey_id=1276, mouser_prefix="187",
                 digikey_name="Samsung Electro-Mechanics", mouser_name="Samsung Electro-Mechanics",
                 nexar_name="Samsung Electro-Mechanics", tme_name="SAMSUNG ELECTRO-MECHANICS",
                 broker_name="SEMCO", bom_names=("Samsung Electro-Mechanics", "Samsung EM", "SEMCO"),
                 sites=(("KR", F, 0.55), ("CN", F, 0.25), ("PH", F, 0.20), ("KR", A, 0.40), ("CN", A, 0.35), ("PH", A, 0.25))),
    Manufacturer(name="TDK", digikey_id=445, mouser_prefix="810", digikey_name="TDK Corporation",
                 mouser_name="TDK", nexar_name="TDK", tme_name="TDK", broker_name="TDK",
                 bom_names=("TDK", "TDK Corporation"),
                 sites=(("JP", F, 0.70), ("CN", F, 0.30), ("JP", A, 0.50), ("CN", A, 0.50))),
    Manufacturer(name="KEMET", digikey_id=399, mouser_prefix="80", digikey_name="KEMET",
                 mouser_name="KEMET", nexar_name="KEMET", tme_name="KEMET", broker_name="KEMET",
                 bom_names=("KEMET", "Kemet"),
                 sites=(("MX", F, 0.50), ("TH", F, 0.30), ("CN", F, 0.20), ("MX", A, 0.50), ("TH", A, 0.50))),
    Manufacturer(name="YAGEO", digikey_id=311, mouser_prefix="603", digikey_name="YAGEO",
                 mouser_name="YAGEO", nexar_name="Yageo", tme_name="YAGEO", broker_name="YAGEO",
                 bom_names=("Yageo", "YAGEO", "YAGEO (VA)"),
                 sites=(("TW", F, 0.50), ("CN", F, 0.50), ("TW", A, 0.40), ("CN", A, 0.60))),
    Manufacturer(name="Panasonic", digikey_id=10, mouser_prefix="667",
                 digikey_name="Panasonic Electronic Components", mouser_name="Panasonic",
                 nexar_name="Panasonic", tme_name="PANASONIC", broker_name="PANASONIC",
                 bom_names=("Panasonic", "PANASONIC ELECTRONIC COMPONENTS (VA)"),
                 sites=(("JP", F, 0.70), ("MY", F, 0.30), ("JP", A, 0.60), ("MY", A, 0.40))),
    Manufacturer(name="Samtec", digikey_id=612, mouser_prefix="200", digikey_name="Samtec Inc.",
                 mouser_name="Samtec", nexar_name="Samtec", tme_name="SAMTEC", broker_name="SAMTEC",
                 bom_names=("Samtec", "SAMTEC"),
                 sites=(("US", F, 0.70), ("MY", F, 0.30), ("US", A, 0.50), ("MY", A, 0.30), ("CR", A, 0.20))),
    Manufacturer(name="Amphenol", digikey_id=609, mouser_prefix="649",
                 digikey_name="Amphenol ICC (FCI)", mouser_name="Amphenol FCI", nexar_name="Amphenol",
                 tme_name="AMPHENOL", broker_name="AMPHENOL",
                 bom_names=("Amphenol", "Amphenol ICC", "Amphenol FCI"),
                 sites=(("US", F, 0.40), ("CN", F, 0.40), ("MX", F, 0.20), ("CN", A, 0.50), ("MX", A, 0.30), ("IN", A, 0.20))),
    Manufacturer(name="TE Connectivity", digikey_id=1, mouser_prefix="571",
                 digikey_name="TE Connectivity AMP Connectors", mouser_name="TE Connectivity",
                 nexar_name="TE Connectivity", tme_name="TE CONNECTIVITY", broker_name="TYCO",
                 bom_names=("TE Connectivity", "TE", "Tyco Electronics"),
                 sites=(("US", F, 0.40), ("DE", F, 0.30), ("CN", F, 0.30), ("CN", A, 0.45), ("MX", A, 0.30), ("DE", A, 0.25))),
    Manufacturer(name="Molex", digikey_id=900, mouser_prefix="538", digikey_name="Molex",
                 mouser_name="Molex", nexar_name="Molex", tme_name="MOLEX", broker_name="MOLEX",
                 bom_names=("Molex", "MOLEX"),
                 sites=(("US", F, 0.40), ("JP", F, 0.30), ("CN", F, 0.30), ("CN", A, 0.50), ("MY", A, 0.30), ("MX", A, 0.20))),
]}

# Extra aliases the simulator's feeds and BOMs use that orchestration.partkey does not ship.
EXTRA_ALIASES: list[tuple[str, str]] = [
    ("Kioxia", "Kioxia"),
    ("KIOXIA", "Kioxia"),
    ("Kioxia America, Inc.", "Kioxia"),
    ("Toshiba Memory", "Kioxia"),
    ("Vishay / Siliconix", "Vishay"),
    ("ON SEMI", "onsemi"),
    ("TYCO", "TE Connectivity"),
    ("SAMSUNG ELECTRO-MECHANICS", "Samsung Electro-Mechanics"),
]

# --------------------------------------------------------------------------------------------------
# MPN templates
# --------------------------------------------------------------------------------------------------


class _Pick:
    """Small helper for string templates: a stdlib Random seeded from the numpy Generator (numpy's
    per-call overhead dominates for single picks; the stream stays fixed by the seed)."""

    def __init__(self, rng: np.random.Generator):
        self.rnd = random.Random(int(rng.integers(0, 2**63 - 1)))

    def __call__(self, seq):
        return seq[self.rnd.randrange(len(seq))]

    def digits(self, n: int) -> str:
        return "".join(str(self.rnd.randrange(10)) for _ in range(n))


CAP_VALUES = ["101", "102", "103", "104", "224", "474", "105", "225", "475", "106"]
HICV_VALUES = ["226", "476", "107", "227"]
RES_VALUES = ["10K", "4K7", "100R", "1M", "49K9", "22R", "2K2", "47K", "1K", "330R", "0R"]
RES4 = ["1002", "4701", "1000", "1003", "4992", "22R0", "2201", "4702", "1001", "3300"]


# (manufacturer, subcategory, weight, template, package, description)
LINES: list[tuple[str, str, float, Callable[[_Pick], str], str, str]] = [
    ("Nexperia", "mosfet", 4.0, lambda c: c(["PMV", "PMV", "PMV", "PMPB"]) + c(["20", "30", "40", "45", "48", "50", "65", "90", "130"])
                                   + c(["EN", "UN", "XN", "EP", "UP", "ENE"]) + c(["2R", ",215", "A,215", "EAR", "R"]),
     "SOT-23", "MOSFET N-CH {v}V {a}A SOT23"),
    ("Nexperia", "mosfet", 2.0, lambda c: c(["BSS138BK", "BSS84AK", "2N7002BK", "2N7002P", "2N7002PS", "NX3008NBKW",
                                                 "NX7002AK", "BSS123", "PMZ550UNE", "NX138AKR"]) + c([",215", ",115", ",235", ""])
                                   + c(["", "", "", "-Q"]), "SOT-23", "MOSFET N-CH {v}V {a}A SOT23"),
    ("Nexperia", "mosfet", 1.5, lambda c: "PSMN" + c(["1R0", "1R8", "2R5", "4R0", "7R0", "011", "022", "3R3", "5R5"]) + "-"
                                   + c(["25", "30", "40", "60", "80", "100"]) + c(["YLD", "YLC", "YS", "BS", "MLH"]),
     "LFPAK56", "MOSFET N-CH {v}V {a}A LFPAK56"),
    ("Nexperia", "logic", 3.0, lambda c: c(["74LVC1G", "74AHC1G", "74AUP1G", "74LVC2G"])
                                  + c(["00", "02", "04", "08", "14", "17", "32", "57", "86", "125", "126", "34", "07"])
                                  + c(["GW,125", "GV,125", "GM,115", "GW,165"]), "TSSOP-5", "IC GATE {n} 1CH SOT353"),
    ("Nexperia", "logic", 1.5, lambda c: c(["74HC", "74HCT", "74LVC", "74AHC"])
                                  + c(["00", "04", "14", "74", "138", "164", "165", "245", "595", "244A", "245A", "1T45"])
                                  + c(["D,653", "PW,118", "BQ,115", "DB,118"]), "TSSOP-16", "IC LOGIC {n} 16TSSOP"),
    ("Nexperia", "diode", 1.5, lambda c: c(["BAS16", "BAS21", "BAS40-04", "BAV99", "BZX84-C5V1", "BZX84-C3V3",
                                               "PESD5V0S1BA", "PMEG3010EJ", "PMEG4010CEJ", "BAT54S", "BZX84-C12",
                                               "PESD1CAN", "PMEG6010CEH"]) + c([",215", ",115", ",235"]),
     "SOD-323", "DIODE GEN PURP SOD323"),
    ("onsemi", "mosfet", 1.5, lambda c: c(["NTR4003NT1G", "NTR4101PT1G", "NTR4501NT1G", "BSS138LT1G", "BSS84LT1G",
                                              "FDN335N", "FDN337N", "FDN340P", "FDN358P", "NTS4001NT1G", "2N7002LT1G",
                                              "NVR4501NT1G", "FDV301N", "FDV303N"]), "SOT-23", "MOSFET SOT23"),
    ("onsemi", "power", 0.8, lambda c: c(["NCP1117ST33T3G", "NCP1117ST50T3G", "MC78M05CDTRKG", "MC33063ADR2G",
                                             "NCV4275CDS50R4G", "NCP3170ADR2G", "MC34063ABDR2G", "NCP5623DTBR2G",
                                             "NCV8114ASN330T1G", "NCP718ASN330T1G"]), "SOT-223", "IC REG LINEAR"),
    ("Infineon Technologies", "mosfet", 1.2, lambda c: c(["IRLML2502TRPBF", "IRLML6344TRPBF", "IRLML6402TRPBF",
                                                            "IRLML0030TRPBF", "IRLML2060TRPBF", "BSC014N06NSATMA1",
                                                            "BSC0902NSATMA1", "BSC040N10NS5ATMA1", "IPD50N06S4L12ATMA1",
                                                            "BSS138NH6327XTSA2", "BSS806NH6327XTSA1", "IPB180N04S403ATMA1"]),
     "SOT-23", "MOSFET SOT23"),
    ("Infineon Technologies", "mcu", 0.5, lambda c: "CY8C" + c(["4245", "4247", "4248", "4146", "6247"])
                                             + c(["AXI-483", "LQI-BL583", "AZI-M445", "FNI-S2D43", "BZI-D43"])
                                             + c(["", "T"]), "TQFP-44", "IC MCU 32BIT ARM CORTEX-M0"),
    ("Infineon Technologies", "power", 0.5, lambda c: "TLE" + c(["4275", "4250", "7250", "9251", "4266", "42764"])
                                               + c(["G", "GM", "SJ", "VSJ", "-2G", "EL"]) + c(["XUMA1", "XUMA2", "XTMA1"]),
     "TO-252", "IC REG LINEAR AUTOMOTIVE"),
    ("Vishay", "mosfet", 1.0, lambda c: "SI" + c(["2302", "2301", "2312", "2333", "2343", "3134", "2319", "1308"])
                                 + c(["CDS", "BDS", "DDS", "EDS"]) + "-T1-" + c(["GE3", "E3", "BE3"]), "SOT-23", "MOSFET SOT23"),
    ("Vishay", "resistor", 1.5, lambda c: "CRCW" + c(["0402", "0603", "0805", "1206"]) + c(["10K0", "4K70", "100R", "1M00", "49K9",
                                                                                            "22R0", "2K20", "47K0", "1K00"])
                                   + c(["FKEA", "FKED", "JNEA", "FKTA"]), "0603", "RES SMD 1% 1/10W"),
    ("Diodes Incorporated", "mosfet", 1.0, lambda c: c(["DMG2302U", "DMG2305UX", "DMG3415U", "DMG1012T", "DMG6968U",
                                                          "DMN2041L", "DMN3404L", "DMN6140L", "DMP2035U", "DMN62D0U"])
                                              + c(["-7", "-13", "Q-7"]), "SOT-23", "MOSFET SOT23"),
    ("Diodes Incorporated", "logic", 0.8, lambda c: "74LVC1G" + c(["00", "04", "08", "14", "32", "125", "126", "17"])
                                             + c(["SE-7", "W5-7", "FW4-7", "FZ4-7"]), "SOT-353", "IC GATE 1CH SOT353"),
    ("Diodes Incorporated", "power", 0.6, lambda c: c(["AP2112K-3.3TRG1", "AP2112K-1.8TRG1", "AP2127K-3.3TRG1",
                                                          "AP7361C-33E-13", "AP63300WU-7", "AP3012KTR-G1", "AP2204K-5.0TRG1",
                                                          "AP62300TWU-7", "AZ1117CH-3.3TRG1"]), "SOT-25", "IC REG LINEAR"),
    ("Texas Instruments", "logic", 1.0, lambda c: c(["SN74LVC1G", "SN74AHC1G", "SN74LVC2G"])
                                           + c(["00", "04", "08", "14", "17", "32", "125", "126", "07", "86"])
                                           + c(["DBVR", "DCKR", "DRLR", "YZPR"]), "SOT-23-5", "IC GATE 1CH SOT23-5"),
    ("Texas Instruments", "analog", 2.5, lambda c: c(["LM358", "LM324", "LM393", "LM2904", "TLV9061", "TLV9062",
                                                         "TLV9064", "OPA2333A", "OPA333A", "OPA192", "OPA2376", "INA219A",
                                                         "INA226A", "INA180A1", "INA240A1", "ADS1115", "TLV7031",
                                                         "LMV321A", "TLV1117", "REF3033", "TMP117M"])
                                            + c(["IDR", "IPWR", "IDBVR", "IDGKR", "IDGSR", "BAIPWR", "BIDR", "IDCKR"]),
     "SOIC-8", "IC OPAMP GP 2 CIRCUIT 8SOIC"),
    ("Texas Instruments", "power", 2.0, lambda c: c(["TPS62A02A", "TPS62A01", "TPS54331", "TPS563201", "TPS7A2033P",
                                                        "TPS7B8133Q", "TPS62933", "LMR51430X", "LMR33630A", "TPS61023",
                                                        "TPS2121", "TPS25947", "TPS3839A33", "LM5164"])
                                           + c(["DRLR", "DR", "DDCR", "DBVR", "DRLQ1", "DDAR", "RUXR"]), "SOT-563",
     "IC REG BUCK ADJ"),
    ("Texas Instruments", "mcu", 0.6, lambda c: "MSP430" + c(["FR2433", "G2553", "FR5969", "FR2355", "FR2476", "FR6989"])
                                         + c(["IRGER", "IPW20R", "IRGZR", "TPT", "IRHAR"]), "VQFN-24", "IC MCU 16BIT FRAM"),
    ("Analog Devices", "power", 1.0, lambda c: c(["LTC3600EMSE", "LTC3588EMSE-1", "LT1763CS8-3.3", "LT3042EMSE",
                                                     "LT8609EMSE", "LTC4054ES5-4.2", "LT1964ES5-BYP", "LTC3621EDCB"])
                                          + c(["#PBF", "#TRPBF", "#PBF"]), "MSOP-12", "IC REG BUCK ADJ"),
    ("Analog Devices", "analog", 1.2, lambda c: c(["AD8605ARTZ", "AD8606ARZ", "AD7124-4BRUZ", "AD5592RBCPZ", "AD8452ASTZ",
                                                      "ADUM1201ARZ", "ADUM1250ARZ", "ADM3053BRWZ", "ADA4528-1ARMZ",
                                                      "AD8428ARZ", "ADXL345BCCZ", "AD8031ARTZ"])
                                         + c(["-REEL7", "-RL7", "", "-R7"]), "SOT-23-5", "IC OPAMP GP 1 CIRCUIT"),
    ("STMicroelectronics", "mcu", 2.0, lambda c: "STM32" + c(["F103C8", "F103RB", "F030F4", "G071RB", "G031K8", "L432KC",
                                                                   "F401CC", "H743ZI", "F411RE", "L476RG", "G474RE", "F072CB",
                                                                   "U575ZI", "C031C6", "WB55RG"])
                                          + c(["T6", "T6TR", "U6", "P6", "T7", "T3"]), "LQFP-48", "IC MCU 32BIT ARM CORTEX-M"),
    ("STMicroelectronics", "power", 0.8, lambda c: c(["LD1117S33TR", "LD39050PU33R", "LDL1117S33R", "L7805CV", "L78L33ACUTR",
                                                         "LDK130M33R", "ST1S10PHR", "L6981C50DR", "LD59015C33R",
                                                         "L7805ABD2T-TR"]), "SOT-223", "IC REG LINEAR 3.3V"),
    ("STMicroelectronics", "analog", 0.6, lambda c: c(["TSV912", "TSV911", "TSV991", "TSV358", "LM2903", "TS3021",
                                                          "TSX712", "TSB712A"]) + c(["IDT", "IST", "AIDT", "AILT", "IYDT"]),
     "SO-8", "IC OPAMP GP RR 2 CIRCUIT"),
    ("Microchip Technology", "mcu", 1.5, lambda c: c([
        lambda: c(["ATSAMD21G18A-", "ATSAMD21E17A-", "ATSAMD51J19A-", "ATMEGA328P-", "ATMEGA32U4-", "ATMEGA4809-",
                   "ATTINY1616-"]) + c(["AU", "MU", "AUR", "MUR", "AUT"]),
        lambda: c(["PIC16F18446-", "PIC18F26K22-", "PIC32MX250F128B-", "PIC16F1825-", "PIC18F47Q43-"])
        + c(["I/SS", "I/SO", "E/ML", "I/P", "I/SP"])])(),
     "TQFP-48", "IC MCU 32BIT 256KB FLASH"),
    ("Microchip Technology", "analog", 0.8, lambda c: "MCP" + c(["2515", "9808", "1700", "73831", "6002", "3208", "6L01",
                                                                    "2551", "1640", "9700A", "4725", "3421A0"])
                                           + c(["T-E/MS", "-I/SO", "T-3302E/TT", "-E/P", "T-I/OT", "T-E/SN", "T-2ACI/OT"]),
     "MSOP-8", "IC INTERFACE / ANALOG"),
    ("NXP Semiconductors", "mcu", 1.0, lambda c: c(["LPC1768FBD100,551", "LPC1114FBD48/302,1", "LPC55S69JBD100K",
                                                       "LPC845M301JBD48E", "MIMXRT1062DVL6B", "MIMXRT1052DVL6B",
                                                       "S32K144HFT0VLLT", "S32K142HAT0MLFT", "MKL25Z128VLK4",
                                                       "MK64FN1M0VLL12", "LPC54628J512ET180E"]), "LQFP-100",
     "IC MCU 32BIT ARM CORTEX-M"),
    ("NXP Semiconductors", "analog", 0.6, lambda c: "TJA" + c(["1051", "1042", "1043", "1021", "1044", "1145", "1463"])
                                         + c(["T/3,118", "T/1J", "TK/3,118", "T,118", "T/3/1J"]), "SO-8", "IC TRANSCEIVER CAN"),
    ("Samsung Semiconductor", "ddr4", 2.0, lambda c: "K4A" + c(["8G165WC", "8G085WC", "4G165WF", "AG165WA", "8G165WB",
                                                                   "4G085WF", "AG085WA"])
                                              + "-" + c(["BCTD", "BCWE", "BIWE", "BCRC", "BITD", "BCPB"]), "FBGA-96",
     "IC DRAM 8GBIT PARALLEL 96FBGA"),
    ("Samsung Semiconductor", "nand", 0.8, lambda c: c(["KLMAG1JETD-B041", "KLMBG2JETD-B041", "KLM8G1GETF-B041",
                                                           "K9F1G08U0F-SIB0", "K9F2G08U0C-SCB0", "KLMCG4JETD-B041",
                                                           "K9K8G08U0E-SCB0", "KLM4G1FETE-B041"]), "FBGA-153",
     "IC FLASH EMMC 153FBGA"),
    ("Micron Technology", "ddr4", 2.0, lambda c: "MT40A" + c(["512M16TB", "1G16KD", "256M16LY", "512M8SA", "1G8SA",
                                                                 "512M16LY", "2G8VA"])
                                          + "-" + c(["062E", "075E", "083E", "062E IT"]) + c([":R", ":E", ":F", ":B"]),
     "FBGA-96", "IC DRAM 8GBIT PARALLEL 96FBGA"),
    ("Micron Technology", "nand", 1.0, lambda c: "MT29F" + c(["4G08ABAFAWP", "2G08ABAGAWP", "1G08ABAFAWP", "8G08ADADAH4",
                                                                 "4G08ABADAWP", "2G08ABAEAWP", "64G08AECABH1"])
                                          + "-" + c(["IT:F", "AIT:G", "IT:E", "IT:D", "AAT:F"]), "TSOP-48",
     "IC FLASH 4GBIT PARALLEL 48TSOP"),
    ("Kioxia", "nand", 0.6, lambda c: c(["TC58NVG2S0HTA00", "TC58NVG1S3HTA00", "TC58BVG0S3HTA00", "TC58NVG3S0HTAI0",
                                            "THGBMJG6C1LBAIL", "THGBMJG8C2LBAIL", "TC58CVG2S0HRAIJ", "TH58NVG4S0HTAK0"]),
     "TSOP-48", "IC FLASH 4GBIT PARALLEL"),
    ("Murata", "mlcc", 3.0, lambda c: "GRM" + c(["155", "188", "219", "21B"]) + c(["R6", "R7", "5C", "C8"])
                               + c(["0J", "1A", "1C", "1E", "1H"]) + c(CAP_VALUES) + c(["K", "M", "J"])
                               + c(["A73", "E15", "E19", "A01", "A12", "A55", "A37"]) + c(["D", "L", "J"]), "0603",
     "CAP CER {v} {d} X7R 0603"),
    ("Murata", "mlcc_hicv", 1.5, lambda c: "GRM" + c(["21B", "31C", "32E", "31M", "32D"]) + c(["R6", "C8", "R7"])
                                    + c(["0J", "1A", "0G", "1C"]) + c(HICV_VALUES) + "M" + c(["E19", "E20", "E39", "E47", "E15"])
                                    + c(["L", "K", "D"]), "1206", "CAP CER 100UF 6.3V X5R 1206"),
    ("Murata", "mlcc_auto", 1.5, lambda c: "GCM" + c(["155", "188", "21B", "31M", "32E"]) + c(["R7", "R7", "5C", "C7"])
                                    + c(["1H", "1E", "2A", "1C"]) + c(CAP_VALUES) + c(["K", "J"])
                                    + c(["A37", "A55", "A57", "A64", "E02"]) + c(["D", "L", "J"]), "0603",
     "CAP CER AUTOMOTIVE AEC-Q200"),
    ("Samsung Electro-Mechanics", "mlcc", 1.5, lambda c: "CL" + c(["05", "10", "21", "31"]) + c(["A", "B", "C"])
                                                  + c(CAP_VALUES) + c(["K", "M", "J"]) + c(["P", "Q", "O", "A", "B", "L"])
                                                  + c(["8", "F", "5", "N"]) + "NNN" + c(["C", "E"]), "0603", "CAP CER X5R"),
    ("Samsung Electro-Mechanics", "mlcc_hicv", 0.8, lambda c: "CL" + c(["21", "31", "32"]) + "A" + c(HICV_VALUES)
                                                       + "M" + c(["Q", "P", "O"]) + c(["H", "N", "F"]) + "NNN" + c(["E", "C"]),
     "1206", "CAP CER 47UF 6.3V X5R"),
    ("Samsung Electro-Mechanics", "mlcc_auto", 0.8, lambda c: "CL" + c(["10", "21", "31"]) + "B" + c(CAP_VALUES)
                                                       + "KB" + c(["8", "F", "H"]) + "W" + c(["P", "S"]) + "N"
                                                       + c(["C", "E"]), "0805", "CAP CER AUTOMOTIVE X7R"),
    ("TDK", "mlcc", 1.0, lambda c: "C" + c(["1005", "1608", "2012", "3216"]) + c(["X5R", "X7R", "X7S", "C0G"])
                            + c(["0J", "1A", "1C", "1E", "1H"]) + c(CAP_VALUES) + c(["K", "M"])
                            + c(["050BB", "080AC", "085AC", "125AB", "160AA", "050BC"]), "0603", "CAP CER X5R"),
    ("TDK", "mlcc_auto", 0.8, lambda c: "CGA" + c(["3E1", "4J3", "5L1", "3E3", "4J1", "6P1"]) + c(["X7R", "X7S", "C0G"])
                                 + c(["1H", "1E", "1C", "2A"]) + c(CAP_VALUES) + c(["K", "M"])
                                 + c(["080AC", "125AB", "160AC", "080AE"]), "0805", "CAP CER AUTOMOTIVE"),
    ("KEMET", "mlcc_auto", 0.6, lambda c: "C" + c(["0402", "0603", "0805", "1206"]) + "C" + c(CAP_VALUES)
                                   + c(["K", "J", "M"]) + c(["3", "4", "5", "8"]) + c(["R", "G"]) + "AC" + "AUTO"
                                   + c(["", "7411", "7867"]), "0603", "CAP CER AUTOMOTIVE"),
    ("YAGEO", "mlcc", 1.0, lambda c: "CC" + c(["0402", "0603", "0805"]) + c(["K", "J", "M"]) + "R"
                              + c(["X7R", "X5R", "NPO"]) + c(["7", "8", "9", "6"]) + "BB" + c(CAP_VALUES), "0603",
     "CAP CER X7R"),
    ("YAGEO", "resistor", 3.0, lambda c: "RC" + c(["0402", "0603", "0805", "1206"]) + c(["F", "J"]) + "R-"
                                  + c(["07", "10", "13"]) + c(RES_VALUES) + "L", "0603", "RES SMD 1% 1/10W"),
    ("Panasonic", "resistor", 1.5, lambda c: "ERJ-" + c(["2", "3", "6", "8"]) + c(["EKF", "RKF", "GEYJ", "ENF"])
                                      + c(RES4) + c(["V", "X"]), "0603", "RES SMD 1% 1/10W"),
    ("Murata", "inductor", 0.8, lambda c: c(["LQM21PN", "LQM18PN", "LQM2HPN", "LQH3NPN", "DFE201610E-"])
                                   + c(["2R2", "1R0", "4R7", "100", "R47", "3R3"]) + c(["MGHL", "MC0D", "NG0L", "MB0L", "M=P2"]),
     "0805", "FIXED IND SMD"),
    ("TDK", "inductor", 0.6, lambda c: c(["MLZ2012", "MLZ1608", "VLS3015", "TFM201610"]) + c(["N", "M", "A", "ET-"])
                                + c(["100", "2R2", "4R7", "1R0", "220"]) + c(["LT000", "MT000", "M-2", "ALGT"]),
     "0805", "FIXED IND SMD"),
    ("Murata", "ferrite", 1.2, lambda c: "BLM" + c(["15", "18", "21", "03"]) + c(["PG", "AG", "KG", "HD", "EG", "SG"])
                                  + c(["221", "601", "102", "121", "471", "700"]) + c(["SN1D", "SH1D", "BH1D", "SZ1D", "TN1D"]),
     "0603", "FERRITE BEAD 220 OHM 0603"),
    ("Samtec", "conn_hs", 1.5, lambda c: c(["ERF8-0", "ERM8-0", "QTH-0", "QSH-0", "SEAF-", "SEAM-", "ERF5-0", "QSE-0"])
                                  + c(["20", "30", "40", "50", "60", "90"]) + c(["-05.0-L-DV", "-01-L-D-A", "-05.0-S-10-2-A",
                                                                                 "-01-F-D-A", "-07.0-L-DV-K"])
                                  + c(["-K-TR", "-TR", "", "-K"]), "Mezzanine", "CONN HIGH SPEED MEZZANINE"),
    ("Amphenol", "conn_hs", 1.0, lambda c: c(["10137002", "10123960", "10142336", "UE27AC54", "10136106", "10124707",
                                                 "10130241"]) + "-" + c(["101LF", "0001LF", "1001LF", "100", "111LF", "2011LF"]),
     "Board", "CONN QSFP/PCIe HIGH SPEED"),
    ("TE Connectivity", "conn_hs", 1.0, lambda c: c(["2-", "1-", "", "6-"]) + c(["2170737", "2007464", "1888247", "2198318",
                                                                                     "2149720", "2301994", "1734839"])
                                           + "-" + c(["1", "2", "3", "5", "9"]), "Cage", "CONN SFP+/QSFP CAGE"),
    ("Molex", "conn_hs", 0.6, lambda c: c(["171111", "2196120", "1703500", "2049370", "1717370"])
                                 + c(["0801", "0012", "0061", "0002", "0401", "0201"]), "Board", "CONN HIGH SPEED I/O"),
    ("Amphenol", "conn_std", 0.6, lambda c: c(["10118194-0001LF", "10118192-0001LF", "67996-", "77311-", "68602-",
                                                  "10129378-", "61082-"]) + c(["", "", "1", "4"])
                                     + c(["", "10", "40", "72"]) + c(["", "HLF", "LF", "22LF"]), "Through Hole",
     "CONN HEADER / USB"),
    ("Molex", "conn_std", 0.5, lambda c: c(["22-28-4", "22-23-2", "53261-0", "53398-0", "105450-0", "47346-0"])
                                  + c(["02", "03", "04", "06", "08", "10"]) + c(["3", "1", "71", "01"]), "Through Hole",
     "CONN HEADER VERT"),
    ("TE Connectivity", "conn_std", 0.4, lambda c: c(["5-146278-", "1-2199298-", "640456-", "1734592-", "5-103185-"])
                                            + c(["1", "2", "3", "4", "5", "6"]), "Through Hole", "CONN HEADER VERT"),
]

# Lines that must have at least this many parts at any catalog size (the events need them).
MIN_PER_LINE = {
    0: 2, 1: 1, 3: 2, 5: 1,  # Nexperia: the export_restriction needs CN-assembled MOSFETs/logic
    6: 1, 16: 1, 14: 1,  # other-maker MOSFETs and logic (alternates)
    17: 2, 18: 1,  # TI analog / power (price_increase)
    22: 1,  # ST MCU
    29: 1, 31: 1, 32: 1,  # DDR4 (Samsung, Micron), NAND
    35: 1, 36: 1, 38: 1, 40: 1,  # MLCC high-CV and automotive (shortage) + alternates
    34: 1, 44: 1,  # plain MLCC, resistors
    48: 1, 49: 1,  # high-speed connectors
}


@dataclass
class Catalog:
    mpn: list[str]
    manufacturer: list[str]
    subcategory: list[str]
    category: list[str]
    package: list[str]
    description: list[str]
    base_price: np.ndarray  # USD at the 1000 break
    lead_weeks: np.ndarray  # factory lead weeks before events
    pack_size: np.ndarray  # reel / tray / tube standard pack
    pack_kind: list[str]
    assembly_country: list[str]
    fab_country: list[str]
    part_site_override: np.ndarray  # bool: written to reference/part_sites.csv
    popularity: np.ndarray  # relative market depth

    def __len__(self) -> int:
        return len(self.mpn)


def _allocate(n: int) -> list[int]:
    weights = np.array([line[2] for line in LINES], dtype=float)
    counts = np.array([MIN_PER_LINE.get(i, 0) for i in range(len(LINES))], dtype=int)
    if n < counts.sum():
        raise ValueError(f"parts must be at least {int(counts.sum())}")
    extra = n - counts.sum()
    share = weights / weights.sum() * extra
    add = np.floor(share).astype(int)
    order = np.argsort(-(share - add), kind="stable")
    add[order[: extra - add.sum()]] += 1
    return (counts + add).tolist()


def _weighted_site(pick: _Pick, sites, kind: str) -> str:
    options = [(c, s) for c, k, s in sites if k == kind]
    return pick.rnd.choices([c for c, _ in options], weights=[s for _, s in options])[0]


def build_catalog(n: int, rng: np.random.Generator) -> Catalog:
    counts = _allocate(n)
    pick = _Pick(rng)
    seen: set[str] = set()
    rows: list[tuple[int, str]] = []
    for line_no, count in enumerate(counts):
        template = LINES[line_no][3]
        for _ in range(count):
            mpn = ""
            for attempt in range(40):
                mpn = template(pick)
                if attempt >= 25:  # combinatorics exhausted at benchmark sizes: add a variant code
                    mpn = f"{mpn}-{pick(['Q', 'T', 'A', 'B', 'E'])}{pick.digits(3)}"
                if mpn not in seen:
                    break
            seen.add(mpn)
            rows.append((line_no, mpn))

    size = len(rows)
    mpn, mfr, sub, cat, pkg, desc, kinds, assy, fab = [], [], [], [], [], [], [], [], []
    base = np.empty(size)
    lead = np.empty(size, dtype=np.int64)
    pack = np.empty(size, dtype=np.int64)
    override = np.zeros(size, dtype=bool)
    nexperia_seen = 0
    for i, (line_no, part) in enumerate(rows):
        maker, subcat, _, _, package, description = LINES[line_no]
        category, median, sigma, (lo, hi), kind, pack_size = SUBCATEGORIES[subcat]
        m = MANUFACTURERS[maker]
        mpn.append(part)
        mfr.append(maker)
        sub.append(subcat)
        cat.append(category)
        pkg.append(package)
        desc.append(description.replace("{v}", str(int(pick([20, 30, 40, 60, 100])))).replace(
            "{a}", str(pick(["0.3", "3.2", "4.5", "5.8", "12", "40"]))).replace("{n}", pick(["NAND", "INVERTER", "AND", "OR"]))
            .replace("{d}", pick(["0.1UF", "1UF", "10UF", "4.7UF"])))
        kinds.append(kind)
        base[i] = median * float(np.exp(pick.rnd.gauss(0.0, sigma)))
        lead[i] = pick.rnd.randint(lo, hi)
        pack[i] = pack_size
        fab.append(_weighted_site(pick, m.sites, "wafer_fab"))
        if maker == "Nexperia":
            # the first three Nexperia parts are CN-assembled and the fourth is not, so any catalog size
            # has parts on both sides of the export restriction
            if nexperia_seen < 3:
                site = "CN"
            elif nexperia_seen == 3:
                site = pick(["MY", "PH"])
            else:
                site = _weighted_site(pick, m.sites, "assembly_test")
            nexperia_seen += 1
            override[i] = True
        else:
            site = _weighted_site(pick, m.sites, "assembly_test")
            override[i] = pick.rnd.random() < 0.04
        assy.append(site)
    # Mature-node discretes: keep the article's "$0.03" anchor
    base = np.round(base, 5)
    base = np.maximum(base, 0.0008)
    popularity = np.exp(rng.normal(0.0, 0.8, size))
    # Nexperia parts first in their lines, so interleave the catalog a little for realism: keep line order
    # (the feeds list parts in catalog order, which looks like a keyword search sorted by maker).
    return Catalog(mpn, mfr, sub, cat, pkg, desc, base, lead, pack, kinds, assy, fab, override, popularity)
