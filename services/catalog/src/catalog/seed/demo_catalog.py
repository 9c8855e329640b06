"""The demo catalog `make seed` loads: a small shop of home goods, three levels deep."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoCategory:
    slug: str
    name: str
    parent: str | None
    description: str


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    category: str
    price: Decimal
    stock: int
    description: str


# Tables, not code: kept one row per line.
# fmt: off
# Parents come before their children.
CATEGORIES = (
    DemoCategory("kitchen", "Kitchen & Dining", None, "Cooking, brewing and eating."),
    DemoCategory("coffee-tea", "Coffee & Tea", "kitchen", "Brew it, pour it, drink it."),
    DemoCategory("mugs-cups", "Mugs & Cups", "coffee-tea", "Stoneware, porcelain and glass."),
    DemoCategory("coffee-makers", "Coffee Makers", "coffee-tea", "Pour-over, press and moka."),
    DemoCategory("cookware", "Cookware", "kitchen", "Pans, pots and what goes in the oven."),
    DemoCategory("tableware", "Tableware", "kitchen", "Plates, bowls and cutlery."),
    DemoCategory("home-office", "Home Office", None, "A desk worth sitting at."),
    DemoCategory("stationery", "Stationery", "home-office", "Paper, pens and ink."),
    DemoCategory("notebooks", "Notebooks", "stationery", "Dotted, lined and blank."),
    DemoCategory("writing", "Pens & Pencils", "stationery", "Fountain pens to graphite."),
    DemoCategory("desk-accessories", "Desk Accessories", "home-office", "Lamps, trays, stands."),
    DemoCategory("outdoor", "Outdoor", None, "For the garden and the trail."),
    DemoCategory("camping", "Camping", "outdoor", "Light gear for nights outside."),
    DemoCategory("garden", "Garden", "outdoor", "Tools and pots for growing things."),
)

_P = DemoProduct
PRODUCTS = (
    _P("MUG-001", "Stoneware Mug, Speckled White", "mugs-cups", Decimal("14.90"), 120,
       "A heavy 350 ml stoneware mug with a speckled glaze that keeps coffee hot."),
    _P("MUG-002", "Stoneware Mug, Deep Blue", "mugs-cups", Decimal("14.90"), 85,
       "The speckled stoneware mug in a deep blue reactive glaze, 350 ml."),
    _P("MUG-003", "Porcelain Espresso Cup Set of 2", "mugs-cups", Decimal("19.50"), 40,
       "Two thin-walled 80 ml porcelain espresso cups with saucers."),
    _P("MUG-004", "Double-Wall Glass Cup", "mugs-cups", Decimal("12.00"), 64,
       "Borosilicate glass, double walled: the tea stays hot, your fingers stay cool."),
    _P("MUG-005", "Enamel Camping Mug", "mugs-cups", Decimal("9.90"), 3,
       "A light enamel mug with a rolled steel rim, at home on the stove and the trail."),
    _P("MUG-006", "Travel Tumbler, Insulated", "mugs-cups", Decimal("24.00"), 0,
       "Vacuum insulated stainless steel tumbler with a leak-proof lid, 470 ml."),
    _P("CFM-001", "Pour-Over Coffee Dripper", "coffee-makers", Decimal("22.00"), 55,
       "Ceramic cone dripper for paper filters; brews one or two cups of clear coffee."),
    _P("CFM-002", "French Press, 1 Litre", "coffee-makers", Decimal("34.50"), 30,
       "Glass and stainless steel press with a fine mesh filter for full-bodied coffee."),
    _P("CFM-003", "Stovetop Moka Pot, 6 Cups", "coffee-makers", Decimal("29.90"), 18,
       "Classic aluminium moka pot for strong, espresso-style coffee on any hob."),
    _P("CFM-004", "Gooseneck Kettle", "coffee-makers", Decimal("45.00"), 12,
       "A 1 litre stovetop kettle with a slim spout for a slow, even pour."),
    _P("CFM-005", "Manual Burr Grinder", "coffee-makers", Decimal("59.00"), 7,
       "Conical steel burrs with stepped settings, from espresso fine to press coarse."),
    _P("CFM-006", "Paper Filters, 100 Pack", "coffee-makers", Decimal("4.50"), 300,
       "Unbleached paper filters that fit the pour-over dripper."),
    _P("TEA-001", "Cast Iron Teapot", "coffee-tea", Decimal("39.00"), 15,
       "An enamelled cast iron teapot with a stainless steel infuser, 800 ml."),
    _P("TEA-002", "Loose Leaf Tea Infuser", "coffee-tea", Decimal("6.90"), 140,
       "A fine mesh infuser basket that sits in any mug."),
    _P("CKW-001", "Cast Iron Skillet, 26 cm", "cookware", Decimal("42.00"), 25,
       "Pre-seasoned cast iron skillet for searing, baking and everything between."),
    _P("CKW-002", "Stainless Steel Saucepan, 2 Litre", "cookware", Decimal("36.00"), 33,
       "Tri-ply stainless saucepan with a glass lid; works on induction."),
    _P("CKW-003", "Enamelled Dutch Oven, 4 Litre", "cookware", Decimal("89.00"), 9,
       "Heavy enamelled cast iron pot for braises, stews and bread."),
    _P("CKW-004", "Carbon Steel Wok", "cookware", Decimal("38.50"), 2,
       "A 32 cm carbon steel wok with a wooden handle; seasons with use."),
    _P("CKW-005", "Non-Stick Frying Pan, 28 cm", "cookware", Decimal("32.00"), 47,
       "PFOA-free non-stick coating on a heavy aluminium base."),
    _P("CKW-006", "Ceramic Baking Dish", "cookware", Decimal("27.00"), 21,
       "Oven-to-table stoneware dish for gratins and roasts, 30 x 20 cm."),
    _P("TBW-001", "Dinner Plate, Set of 4", "tableware", Decimal("44.00"), 26,
       "Matte glazed stoneware dinner plates, 27 cm, dishwasher safe."),
    _P("TBW-002", "Cereal Bowl, Set of 4", "tableware", Decimal("32.00"), 31,
       "Deep stoneware bowls for cereal, soup and noodles."),
    _P("TBW-003", "Cutlery Set, 16 Pieces", "tableware", Decimal("49.00"), 14,
       "Brushed stainless steel cutlery for four: knives, forks, spoons and teaspoons."),
    _P("TBW-004", "Linen Napkins, Set of 4", "tableware", Decimal("24.00"), 0,
       "Stone-washed linen napkins in natural oat."),
    _P("TBW-005", "Water Carafe", "tableware", Decimal("18.00"), 38,
       "A 1 litre glass carafe with a tumbler that doubles as its lid."),
    _P("NTB-001", "Dotted Notebook A5", "notebooks", Decimal("16.00"), 150,
       "192 pages of 100 gsm dotted paper in a lay-flat cloth binding."),
    _P("NTB-002", "Lined Notebook A5", "notebooks", Decimal("16.00"), 110,
       "192 pages of 100 gsm lined paper in a lay-flat cloth binding."),
    _P("NTB-003", "Pocket Notebook, 3 Pack", "notebooks", Decimal("12.50"), 90,
       "Three slim kraft-covered notebooks that fit a back pocket."),
    _P("NTB-004", "Sketchbook A4", "notebooks", Decimal("21.00"), 4,
       "Heavy 160 gsm blank paper for pencil, ink and light washes."),
    _P("PEN-001", "Fountain Pen, Fine Nib", "writing", Decimal("28.00"), 35,
       "A steel-nib fountain pen with a converter for bottled ink."),
    _P("PEN-002", "Bottled Ink, Blue-Black", "writing", Decimal("11.00"), 60,
       "50 ml of water-based fountain pen ink in blue-black."),
    _P("PEN-003", "Gel Pens, 5 Pack", "writing", Decimal("8.50"), 200,
       "Smooth 0.5 mm gel pens in black."),
    _P("PEN-004", "Graphite Pencils, 12 Pack", "writing", Decimal("7.00"), 180,
       "Cedar pencils from 4H to 6B, for writing and sketching."),
    _P("DSK-001", "LED Desk Lamp", "desk-accessories", Decimal("54.00"), 22,
       "Dimmable desk lamp with adjustable colour temperature and a USB-C port."),
    _P("DSK-002", "Bamboo Monitor Stand", "desk-accessories", Decimal("39.00"), 16,
       "Raises the screen to eye level with room for a keyboard underneath."),
    _P("DSK-003", "Felt Desk Pad", "desk-accessories", Decimal("26.00"), 44,
       "A large wool felt pad that quiets the keyboard and warms the desk."),
    _P("DSK-004", "Cable Organiser Tray", "desk-accessories", Decimal("19.00"), 1,
       "An under-desk steel tray that keeps power strips and cables out of sight."),
    _P("DSK-005", "Walnut Pen Tray", "desk-accessories", Decimal("17.50"), 27,
       "A solid walnut tray for pens, clips and small things."),
    _P("CMP-001", "Ultralight Tent, 2 Person", "camping", Decimal("249.00"), 6,
       "A freestanding three-season tent that packs to 1.6 kg."),
    _P("CMP-002", "Down Sleeping Bag", "camping", Decimal("189.00"), 8,
       "Comfortable to 2 °C, packs to the size of a loaf of bread."),
    _P("CMP-003", "Camping Stove", "camping", Decimal("49.00"), 19,
       "A compact canister stove that boils a litre of water in four minutes."),
    _P("CMP-004", "Headlamp, 400 Lumen", "camping", Decimal("34.00"), 41,
       "Rechargeable headlamp with a red night mode."),
    _P("CMP-005", "Titanium Spork", "camping", Decimal("9.50"), 95,
       "One utensil, 18 grams."),
    _P("GRD-001", "Terracotta Pot, 20 cm", "garden", Decimal("11.00"), 70,
       "Unglazed terracotta that lets roots breathe, with a saucer."),
    _P("GRD-002", "Garden Trowel", "garden", Decimal("16.00"), 36,
       "A stainless steel trowel with an ash handle and depth markings."),
    _P("GRD-003", "Watering Can, 5 Litre", "garden", Decimal("29.00"), 13,
       "Galvanised steel watering can with a brass rose."),
    _P("GRD-004", "Pruning Shears", "garden", Decimal("31.00"), 0,
       "Bypass pruners with hardened steel blades for stems up to 20 mm."),
    _P("GRD-005", "Herb Seed Collection", "garden", Decimal("12.00"), 58,
       "Basil, parsley, chives, coriander and thyme: five packets to start a windowsill."),
)
# fmt: on
