from service_kit.problems import Conflict, NotFound, UnprocessableContent


class ProductNotFound(NotFound):
    code = "product-not-found"
    title = "Product not found"


class ProductSlugTaken(Conflict):
    code = "slug-taken"
    title = "Slug already in use"


class SkuTaken(Conflict):
    code = "sku-taken"
    title = "SKU already in use"


class CategoryUnavailable(UnprocessableContent):
    code = "category-unavailable"
    title = "Category unknown or inactive"


class InvalidProductQuery(UnprocessableContent):
    code = "invalid-product-query"
    title = "The product query is not valid"
